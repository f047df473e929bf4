# The hub for production (docker compose). The code runs from /app (an editable install), so the pages, static
# files, templates and bot flows are found next to it.

FROM node:20-slim AS web
WORKDIR /web
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    HUB_HOST=0.0.0.0 HUB_PORT=8080
WORKDIR /app

COPY pyproject.toml README.md ./
COPY hub ./hub
COPY connectors ./connectors
COPY bots ./bots
COPY realtime ./realtime
COPY templates ./templates
COPY static ./static
COPY config ./config
COPY --from=web /web/node_modules/socket.io-client/dist ./node_modules/socket.io-client/dist
# esbuild only for the build of the static files (hub/assets.py -> build/assets), then dropped
COPY --from=web /web/node_modules/esbuild ./node_modules/esbuild
COPY --from=web /web/node_modules/@esbuild ./node_modules/@esbuild
RUN pip install -e . && python -m hub.assets && rm -rf node_modules/esbuild node_modules/@esbuild && useradd --system --home /app hub && mkdir -p /app/data && chown hub /app/data

USER hub
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz').status == 200 else 1)"
CMD ["hub", "serve"]
