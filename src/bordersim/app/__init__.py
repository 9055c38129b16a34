"""The interactive page: a SolaraViz app showing a run of the border zone as a map with live charts.

``view`` is the only module that reads the model's internals; ``controls`` turns the page's
controls into a model through the public API; ``figures`` draws the map and the charts;
``page`` is the Solara page (``solara run bordersim.app.page``); ``cli`` is ``bordersim-app``.
"""
