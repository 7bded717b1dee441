{{/* Name of every namespaced object and prefix of the cluster-scoped ones. */}}
{{- define "maestro-agent.fullname" -}}
{{- default "maestro-agent" .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "maestro-agent.labels" -}}
app.kubernetes.io/name: maestro-agent
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "maestro-agent.selectorLabels" -}}
app.kubernetes.io/name: maestro-agent
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "maestro-agent.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "maestro-agent.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "maestro-agent.brokerSecret" -}}
{{- default (printf "%s-broker" (include "maestro-agent.fullname" .)) .Values.messageBroker.existingSecret -}}
{{- end -}}
