"""The actors of the simulation: the five agent families, the outside actors (US, IRGC
logistics) and the order of battle that places them on the grid."""
