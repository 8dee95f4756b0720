"""The live service and its scale-out.

- `webhooks`: Standard Webhooks signatures (verify, sign);
- `intake`: a webhook body → one `Transcript`, or the reason it cannot be read;
- `app`: the FastAPI app (`POST /v1/calls`, `GET /v1/calls/{id}`, `/healthz`, `/metrics`);
- `metrics`: the Prometheus registry of one process;
- `worker`: claims received calls and runs them through extract → ground → route;
- `embedded`: `callhandoff serve` in one process (API, worker threads, deliverer);
- `tasks`: the Celery app for `serve --no-worker` + `callhandoff worker`, and the sweep;
- `batch`: bulk back-fills through the OpenAI Batch API;
- `drill`: a delivery drill (many deliverers, kills, an outage) against a counting receiver.
"""
