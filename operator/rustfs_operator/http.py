"""/healthz, /readyz and /metrics on one small aiohttp server.

Bound to 127.0.0.1 unless configured otherwise (the Deployment binds 0.0.0.0
so the kubelet can probe it). /healthz answers as long as the event loop
runs; /readyz is 200 for the active replica once its watches have listed
everything and while the API server answers (connectivity.py: when it does not,
the watch streams are down and nothing the replica knows is current), and for a
standby replica that can reach the API (it is ready to take over), so a rolling
update of two replicas can proceed.
"""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from rustfs_operator.metrics import Metrics


class Probes:
    """Mutable readiness facts the app updates as it goes."""

    def __init__(self) -> None:
        self.role = "starting"  # starting, standby, active, stopping
        self.synced = False
        self.api_reachable: Callable[[], bool] = lambda: False

    def ready(self) -> bool:
        if self.role == "active":
            return self.synced and self.api_reachable()
        return self.role == "standby" and self.api_reachable()


async def start(host: str, port: int, probes: Probes, metrics: Metrics, alive: Callable[[], bool]) -> web.AppRunner:
    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"alive": alive(), "role": probes.role}, status=200 if alive() else 503)

    async def readyz(_: web.Request) -> web.Response:
        ready = probes.ready()
        return web.json_response({"ready": ready, "role": probes.role}, status=200 if ready else 503)

    async def metrics_page(_: web.Request) -> web.Response:
        return web.Response(body=generate_latest(metrics.registry), headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.add_routes([web.get("/healthz", healthz), web.get("/readyz", readyz), web.get("/metrics", metrics_page)])
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
