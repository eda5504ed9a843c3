"""``kubectl hpa tune``: search HPA settings by replaying each candidate through the simulation engine.

space.py names the settings a user can change and writes a candidate into an HPA manifest;
objectives.py turns one simulated run into the figures candidates are compared by; search.py
evaluates candidates (in a bounded process pool), screens, combines and refines them, and keeps
the Pareto front.
"""
