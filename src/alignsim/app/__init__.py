"""The interactive teaching page (``alignsim app``): Mesa's SolaraViz around the model.

Needs the ``app`` extra (Solara); the rest of alignsim does not import this package.
"""
