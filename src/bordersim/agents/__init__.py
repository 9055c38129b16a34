"""The five agent families of the border zone, one module each."""
