# syntax=docker/dockerfile:1
# Telnyx voice gateway image. Build from the repository root:
#   docker build -t telnyx-gateway:dev .
# Multi-arch: docker buildx build --platform linux/amd64,linux/arm64 -t … .  (the build stage runs on the build
# machine's own platform; the output is portable IL, so the same publish serves every target architecture).
#
# Base images are pinned by digest through build arguments: a release build passes the digests it was tested with, so
# a rebuild of the same commit gets the same bases, and a moved tag is a deliberate change:
#   docker build \
#     --build-arg SDK_DIGEST=sha256:… --build-arg RUNTIME_DIGEST=sha256:… \
#     --build-arg VERSION=0.1.0 --build-arg REVISION="$(git rev-parse HEAD)" --build-arg CREATED="$(date -u +%FT%TZ)" .
# Read a tag's current digest with `docker buildx imagetools inspect mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled`
# (the `Digest:` line, the multi-platform index). Left empty, the tag alone is used, as for a local build.
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG SDK_DIGEST=
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled
ARG RUNTIME_DIGEST=

# ---- build ------------------------------------------------------------------------------------------------------
FROM --platform=$BUILDPLATFORM ${SDK_IMAGE}${SDK_DIGEST:+@${SDK_DIGEST}} AS build
WORKDIR /src

# Restore as its own layer: it only reruns when the SDK pin, the shared build settings or the project file change.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/Gateway/Gateway.csproj src/Gateway/
RUN dotnet restore src/Gateway/Gateway.csproj

# Then the sources. No config/: the demo seed registry is for `dotnet run` only, and the image ships without it, so a
# container never writes the demo agent into a real Redis. Seeding is opt-in (Registry__SeedFile, the chart's
# registrySeed).
COPY .editorconfig ./
COPY src/Gateway/ src/Gateway/
RUN dotnet publish src/Gateway/Gateway.csproj -c Release --no-restore -o /app -p:UseAppHost=false

# ---- runtime ----------------------------------------------------------------------------------------------------
# Ubuntu chiseled: no shell, no package manager, non-root `app` user (UID/GID 1654, $APP_UID), no ICU (the gateway
# runs with invariant globalization). No HEALTHCHECK (no curl): Kubernetes probes GET /healthz and /readyz.
FROM ${RUNTIME_IMAGE}${RUNTIME_DIGEST:+@${RUNTIME_DIGEST}} AS final
ARG RUNTIME_IMAGE
ARG RUNTIME_DIGEST
ARG VERSION=dev
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="telnyx-voice-gateway" \
      org.opencontainers.image.description="Self-hosted, multi-tenant gateway between Telnyx media streams and voice bots" \
      org.opencontainers.image.documentation="README.md in the source repository" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="${RUNTIME_IMAGE}" \
      org.opencontainers.image.base.digest="${RUNTIME_DIGEST}"
WORKDIR /app
COPY --link --from=build /app .
USER $APP_UID
ENV ASPNETCORE_HTTP_PORTS=8080
EXPOSE 8080
ENTRYPOINT ["dotnet", "Gateway.dll"]
