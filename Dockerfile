# Switchyard container image: build with the official Swift image, run on a slim Debian.
#
#   docker build -t switchyard .
#   docker run -p 6432:6432 -p 6480:6480 \
#       -v "$PWD/my.toml:/etc/switchyard/switchyard.toml:ro" switchyard
#
# Reload a running container's configuration with `docker kill --signal=HUP <container>`.

# ---- build ------------------------------------------------------------------------------------
FROM swift:6.3-bookworm AS build

# libpq and OpenSSL are system-library targets found through pkg-config.
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get update \
    && apt-get install -y --no-install-recommends libpq-dev libssl-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /build
# Dependencies first, so that a source change does not fetch them again.
COPY Package.swift ./
RUN swift package resolve
# Tests/ is copied because the manifest declares its targets (and the Wire fixtures' resources).
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --static-swift-stdlib --product switchyard \
    && install -D -m 0755 "$(swift build -c release --static-swift-stdlib --show-bin-path)/switchyard" /out/switchyard

# ---- run --------------------------------------------------------------------------------------
FROM debian:bookworm-slim

# libssl3 for SCRAM and TLS; libpq5 for the tools that talk to servers; ca-certificates for
# server_tls_ca_file setups that point at the system store.
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get update \
    && apt-get install -y --no-install-recommends libpq5 libssl3 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system switchyard \
    && useradd --system --gid switchyard --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin switchyard

COPY --from=build /out/switchyard /usr/local/bin/switchyard
COPY config/switchyard.toml /etc/switchyard/switchyard.toml
# Fail the build, not the first start, if a shared library is missing. In a container the
# example's loopback addresses would be unreachable from outside, so it listens on every address;
# the admin port has no token in the example: publish 6480 only where that is acceptable, or
# mount a configuration that sets admin_token.
RUN ! ldd /usr/local/bin/switchyard | grep "not found" \
    && sed -i \
        -e 's/^listen = "127\.0\.0\.1:/listen = "0.0.0.0:/' \
        -e 's/^admin_listen = "127\.0\.0\.1:/admin_listen = "0.0.0.0:/' \
        /etc/switchyard/switchyard.toml \
    && /usr/local/bin/switchyard check --config /etc/switchyard/switchyard.toml

USER switchyard:switchyard
# 6432: PostgreSQL clients; 6480: admin HTTP (dashboard, /stats, /metrics, /health).
EXPOSE 6432 6480
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/switchyard", "run", "--config", "/etc/switchyard/switchyard.toml"]
