"""Events of the simulation: scenario calendars and the air war they start."""
