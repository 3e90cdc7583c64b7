# syntax=docker/dockerfile:1
# soc in a container: `soc run --follow` and `soc serve` (see compose.yaml).
#
# The build steps are packaging/build-tree.sh, which `make test` also runs
# outside Docker on every test run; the image itself has not been built on
# the project's machines (no Docker daemon or base images there).
#
#   docker build -t soc .
#   docker run --rm -v soc-state:/var/lib/soc -v /var/log:/var/log:ro --group-add 4 soc run --once

# --- builder: the Rust toolchain, the workspace, build-tree.sh -------------------
FROM rust:1.95-slim-bookworm AS builder
WORKDIR /src
COPY . .
RUN packaging/build-tree.sh /out && mkdir /out/state

# --- runtime: glibc and CA certificates (distroless), the binary, a non-root user -
# distroless/cc holds glibc, libgcc and /etc/ssl/certs/ca-certificates.crt
# (HTTPS enrichment and notifications) and no shell or package manager.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=builder /out/bin/soc /usr/bin/soc
# The same configuration as the .deb's: host logs under /var/log (mounted
# read-only), everything soc writes under /var/lib/soc (the state volume).
COPY packaging/soc.toml /etc/soc/soc.toml
# 65532 is distroless's `nonroot`; a new volume takes this folder's owner.
COPY --from=builder --chown=65532:65532 /out/state /var/lib/soc
USER 65532:65532
WORKDIR /var/lib/soc
VOLUME ["/var/lib/soc"]
ENV SOC_CONFIG=/etc/soc/soc.toml
# Healthy once the state store exists and opens: soc status exits non-zero
# when it is missing or unreadable.
HEALTHCHECK --interval=60s --timeout=10s --start-period=2m --retries=3 \
  CMD ["/usr/bin/soc", "status", "--config", "/etc/soc/soc.toml"]
ENTRYPOINT ["/usr/bin/soc"]
CMD ["run", "--follow"]
