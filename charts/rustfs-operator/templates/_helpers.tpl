{{/*
Names and labels, as the RustFS operator's chart makes them.
*/}}
{{- define "rustfs-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The release's full name: the name of every object the chart makes (a release named
rustfs-operator makes objects named rustfs-operator, as operator/deploy does).
*/}}
{{- define "rustfs-operator.fullname" -}}
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

{{- define "rustfs-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "rustfs-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "rustfs-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "rustfs-operator.labels" -}}
helm.sh/chart: {{ include "rustfs-operator.chart" . }}
{{ include "rustfs-operator.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "rustfs-operator.namespace" -}}
{{- default .Release.Namespace .Values.namespace }}
{{- end }}

{{- define "rustfs-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "rustfs-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "rustfs-operator.image" -}}
{{- printf "%s:%s" .Values.operator.image.repository (default .Chart.AppVersion .Values.operator.image.tag) }}
{{- end }}

{{/*
"true" when the ServiceMonitor is rendered: operator.serviceMonitor.enabled true, or unset (null)
and the cluster serves monitoring.coreos.com/v1 ServiceMonitors; never without the metrics Service.
*/}}
{{- define "rustfs-operator.serviceMonitor" -}}
{{- $enabled := .Values.operator.serviceMonitor.enabled }}
{{- if and .Values.operator.metrics.enabled (or (and (kindIs "bool" $enabled) $enabled) (and (kindIs "invalid" $enabled) (.Capabilities.APIVersions.Has "monitoring.coreos.com/v1/ServiceMonitor"))) -}}
true
{{- end }}
{{- end }}
