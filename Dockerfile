# syntax=docker/dockerfile:1
# Build: the dependency layer is cached apart from the source.
FROM rust:1.95-slim-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends make perl pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
RUN mkdir src \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && cargo build --release --locked \
    && rm -rf src
COPY . .
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked \
    && cp target/release/aftercare /usr/local/bin/aftercare

# Run: SQLite, libpq and OpenSSL are linked in, so the image needs no
# database libraries.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 aftercare \
    && useradd --system --uid 10001 --gid aftercare --home-dir /data --shell /usr/sbin/nologin aftercare \
    && mkdir -p /data \
    && chown aftercare:aftercare /data
COPY --from=build /usr/local/bin/aftercare /usr/local/bin/aftercare
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
ENV DATABASE_URL=sqlite:///data/aftercare.db \
    AFTERCARE_BIND=0.0.0.0:8080 \
    AFTERCARE_LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["curl", "-fsS", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["/usr/local/bin/aftercare"]
CMD ["serve"]
