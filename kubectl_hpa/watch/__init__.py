"""``kubectl hpa watch``: a live view of HPA decisions, one module per job.

- :mod:`.informer`: list + watch of one resource into a store (reconnects, 410 relists);
- :mod:`.stores`: what the informers keep of events, workloads and pods, and the per-refresh indexes;
- :mod:`.metrics`: the metric reads of a refresh, batched, and each HPA's share of them;
- :mod:`.rows`: decide() for one HPA, its verdict in watch's words, and watch's memory of it;
- :mod:`.engine`: the refresh loop tying them together;
- :mod:`.observation`: a row as a ``--record`` line (the format itself is :mod:`kubectl_hpa.record`);
- :mod:`.view`: the terminal frame and the plain-line log; :mod:`.replay`: ``explain --timeline``.
"""
