# syntax=docker/dockerfile:1
# Telnyx voice gateway image. Build from the repository root:
#   docker build -t telnyx-gateway:dev .
# Multi-arch: docker buildx build --platform linux/amd64,linux/arm64 -t … .  (the build stage runs on the build
# machine's own platform; the output is portable IL, so the same publish serves every target architecture).

# ---- build ------------------------------------------------------------------------------------------------------
FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src

# Restore as its own layer: it only reruns when the SDK pin, the shared build settings or the project file change.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/Gateway/Gateway.csproj src/Gateway/
RUN dotnet restore src/Gateway/Gateway.csproj

# Then the sources (the project copies config/** next to the binary, so the seed registry ships in the image).
COPY .editorconfig ./
COPY config/ config/
COPY src/Gateway/ src/Gateway/
RUN dotnet publish src/Gateway/Gateway.csproj -c Release --no-restore -o /app -p:UseAppHost=false

# ---- runtime ----------------------------------------------------------------------------------------------------
# Ubuntu chiseled: no shell, no package manager, non-root `app` user (UID/GID 1654, $APP_UID), no ICU (the gateway
# runs with invariant globalization). No HEALTHCHECK (no curl): Kubernetes probes GET /healthz and /readyz.
FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled AS final
WORKDIR /app
COPY --link --from=build /app .
USER $APP_UID
ENV ASPNETCORE_HTTP_PORTS=8080
EXPOSE 8080
ENTRYPOINT ["dotnet", "Gateway.dll"]
