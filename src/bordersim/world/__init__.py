"""The world of the simulation: the georeferenced grid and the cell layers computed over it
(geography, influence and control, population, the economy of routes and the crossing)."""
