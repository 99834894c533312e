{{/*
Chart name, truncated to 63 characters (the DNS label limit).
*/}}
{{- define "gateway.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name of the release's resources: fullnameOverride, else the release name when it already contains the chart
name, else "<release>-<chart>"; truncated to 63 characters.
*/}}
{{- define "gateway.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
"chart-version" for the helm.sh/chart label.
*/}}
{{- define "gateway.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Selector labels: exactly name + instance. Never change them: a Deployment's selector is immutable.
*/}}
{{- define "gateway.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gateway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Labels of every resource.
*/}}
{{- define "gateway.labels" -}}
helm.sh/chart: {{ include "gateway.chart" . }}
{{ include "gateway.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Name of the ServiceAccount the pods run as.
*/}}
{{- define "gateway.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "gateway.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Whether the pod gets a Kubernetes API token: only for EndpointSlice discovery (or when asked for), so that a gateway
that calls no Kubernetes API carries no credential for it.
*/}}
{{- define "gateway.automountToken" -}}
{{- if or .Values.serviceAccount.automountServiceAccountToken .Values.discovery.enabled }}true{{ else }}false{{ end }}
{{- end }}

{{/*
Image reference: repository, then @digest when set, else :tag (default: the chart's appVersion).
*/}}
{{- define "gateway.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag | toString) }}
{{- end }}
{{- end }}

{{/*
Seconds (an integer) as a .NET TimeSpan string: "hh:mm:ss", or "d.hh:mm:ss" from one day up.
A bare number would be read by .NET's TimeSpan parser as a number of DAYS.
*/}}
{{- define "gateway.timeSpan" -}}
{{- $total := int . }}
{{- $days := div $total 86400 }}
{{- $hours := div (mod $total 86400) 3600 }}
{{- $minutes := div (mod $total 3600) 60 }}
{{- $seconds := mod $total 60 }}
{{- if gt $days 0 }}
{{- printf "%d.%02d:%02d:%02d" $days $hours $minutes $seconds }}
{{- else }}
{{- printf "%02d:%02d:%02d" $hours $minutes $seconds }}
{{- end }}
{{- end }}

{{/*
terminationGracePeriodSeconds: preStop sleep + drain window + margin. Not a value of its own, so it can never be
set below what the gateway needs to drain and exit.
*/}}
{{- define "gateway.terminationGracePeriodSeconds" -}}
{{- add (int .Values.gateway.preStopSleepSeconds) (int .Values.gateway.drainWindowSeconds) (int .Values.gateway.shutdownMarginSeconds) }}
{{- end }}

{{/*
"true" when more than one gateway pod can run (fixed replicas > 1, or an autoscaler).
*/}}
{{- define "gateway.multiReplica" -}}
{{- if or .Values.autoscaling.enabled (gt (int .Values.replicaCount) 1) }}true{{ end }}
{{- end }}

{{/*
"true" when the chart adds its zone spread: zoneSpread.enabled, at least zoneSpread.minReplicas pods (replicaCount, or
autoscaling.minReplicas under an autoscaler), and no constraint of topologySpreadConstraints on the zone key already.
*/}}
{{- define "gateway.zoneSpread" -}}
{{- $replicas := ternary (int .Values.autoscaling.minReplicas) (int .Values.replicaCount) (eq .Values.autoscaling.enabled true) }}
{{- $own := false }}
{{- range .Values.topologySpreadConstraints }}
{{- if eq .topologyKey "topology.kubernetes.io/zone" }}{{ $own = true }}{{ end }}
{{- end }}
{{- if and .Values.zoneSpread.enabled (ge $replicas (int .Values.zoneSpread.minReplicas)) (not $own) }}true{{ end }}
{{- end }}

{{/*
"true" when the gateway is given a Redis connection string (inline or from an existing Secret).
*/}}
{{- define "gateway.redisEnabled" -}}
{{- if or .Values.redis.connectionString .Values.redis.existingSecret }}true{{ end }}
{{- end }}

{{/*
"true" when the chart renders its own Secret (some secret value is given inline).
*/}}
{{- define "gateway.createSecret" -}}
{{- if or .Values.redis.connectionString .Values.auth.signingKey .Values.telnyx.apiKey .Values.telnyx.publicKey }}true{{ end }}
{{- end }}

{{/*
Public host (for NOTES): from gateway.publicBaseUrl, else the first Ingress host, else empty.
*/}}
{{- define "gateway.publicHost" -}}
{{- if .Values.gateway.publicBaseUrl }}
{{- (urlParse .Values.gateway.publicBaseUrl).host }}
{{- else if and .Values.ingress.enabled .Values.ingress.hosts }}
{{- (first .Values.ingress.hosts).host | default "" }}
{{- end }}
{{- end }}

{{/*
Checks the schema cannot express. Rendering fails with a message naming the values to fix.
*/}}
{{- define "gateway.validate" -}}
{{- if and (include "gateway.multiReplica" .) (not (include "gateway.redisEnabled" .)) }}
{{- fail "More than one gateway replica (replicaCount > 1 or autoscaling.enabled) needs Redis: replicas must share the registry and the instance claims. Set redis.connectionString or redis.existingSecret, or run one replica on the embedded registry." }}
{{- end }}
{{- if and .Values.redis.connectionString .Values.redis.existingSecret }}
{{- fail "Set either redis.connectionString or redis.existingSecret, not both." }}
{{- end }}
{{- if and .Values.auth.signingKey .Values.auth.existingSecret }}
{{- fail "Set either auth.signingKey or auth.existingSecret, not both." }}
{{- end }}
{{- if and (or .Values.telnyx.apiKey .Values.telnyx.publicKey) .Values.telnyx.existingSecret }}
{{- fail "Set either telnyx.apiKey/telnyx.publicKey or telnyx.existingSecret, not both." }}
{{- end }}
{{- if and .Values.auth.signingKey (lt (len .Values.auth.signingKey) 32) }}
{{- fail "auth.signingKey must be at least 32 bytes (HS256)." }}
{{- end }}
{{- if lt (int .Values.gateway.shutdownMarginSeconds) 20 }}
{{- fail (printf "gateway.shutdownMarginSeconds is %d; it must be at least 20, above the gateway's 15 s of shutdown work after the drain window, or Kubernetes kills the pod before it has closed its calls." (int .Values.gateway.shutdownMarginSeconds)) }}
{{- end }}
{{- if or (lt (int .Values.gateway.drainWindowSeconds) 0) (gt (int .Values.gateway.drainWindowSeconds) 7200) }}
{{- fail "gateway.drainWindowSeconds must be between 0 and 7200 (the gateway accepts at most 02:00:00)." }}
{{- end }}
{{- if lt (int .Values.gateway.preStopSleepSeconds) 0 }}
{{- fail "gateway.preStopSleepSeconds must not be negative." }}
{{- end }}
{{- if and .Values.discovery.enabled (not .Values.discovery.clusterWide) (not .Values.discovery.namespaces) }}
{{- fail "discovery.enabled needs discovery.namespaces (the namespaces of the bots' Services) or discovery.clusterWide: true." }}
{{- end }}
{{- if and .Values.httpRoute.enabled (not .Values.httpRoute.parentRefs) }}
{{- fail "httpRoute.enabled needs httpRoute.parentRefs: the Gateway (and listener) the route attaches to." }}
{{- end }}
{{- if and .Values.gateway.mediaPort (or (eq (int .Values.gateway.mediaPort) 8080) (eq (int .Values.gateway.mediaPort) (int (default 0 .Values.gateway.adminPort)))) }}
{{- fail "gateway.mediaPort must differ from 8080 and from gateway.adminPort: the media listener needs a port of its own." }}
{{- end }}
{{- if and .Values.gateway.adminPort (eq (int .Values.gateway.adminPort) 8080) }}
{{- fail "gateway.adminPort must differ from 8080, the public port: the admin listener needs a port of its own." }}
{{- end }}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) }}
{{- fail "autoscaling.minReplicas must not exceed autoscaling.maxReplicas." }}
{{- end }}
{{- if and .Values.autoscaling.enabled (not (or .Values.autoscaling.targetCPUUtilizationPercentage .Values.autoscaling.targetMemoryUtilizationPercentage .Values.autoscaling.extraMetrics)) }}
{{- fail "autoscaling.enabled needs at least one metric: targetCPUUtilizationPercentage, targetMemoryUtilizationPercentage or extraMetrics." }}
{{- end }}
{{- end }}
