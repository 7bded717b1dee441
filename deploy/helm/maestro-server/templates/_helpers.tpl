{{/* Name of every object: fullnameOverride, else "maestro" (upstream's names). */}}
{{- define "maestro-server.fullname" -}}
{{- default "maestro" .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels on every object. */}}
{{- define "maestro-server.labels" -}}
app.kubernetes.io/name: maestro-server
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Labels selecting the server pods. */}}
{{- define "maestro-server.selectorLabels" -}}
app.kubernetes.io/name: maestro-server
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "maestro-server.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "maestro-server.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding the database connection. */}}
{{- define "maestro-server.dbSecret" -}}
{{- if .Values.database.existingSecret -}}
{{- .Values.database.existingSecret -}}
{{- else if .Values.database.url -}}
{{- printf "%s-db" (include "maestro-server.fullname" .) -}}
{{- else -}}
{{- fail "set database.url or database.existingSecret: maestro-server needs an external PostgreSQL" -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding the broker config file (mqtt/pubsub). */}}
{{- define "maestro-server.brokerSecret" -}}
{{- default (printf "%s-broker" (include "maestro-server.fullname" .)) .Values.messageBroker.existingSecret -}}
{{- end -}}

{{/* Database flags and env shared by the server and the migration init container. */}}
{{- define "maestro-server.dbArgs" -}}
- --db-sslmode={{ .Values.database.sslmode }}
- --db-max-open-connections={{ .Values.database.maxOpenConnections }}
{{- if eq .Values.database.secretFormat "files" }}
- --db-host-file=/secrets/db/db.host
- --db-port-file=/secrets/db/db.port
- --db-user-file=/secrets/db/db.user
- --db-password-file=/secrets/db/db.password
- --db-name-file=/secrets/db/db.name
{{- else if ne .Values.database.secretFormat "url" }}
{{- fail "database.secretFormat must be url or files" }}
{{- end }}
{{- if .Values.database.rootCertKey }}
- --db-rootcert=/secrets/db/{{ .Values.database.rootCertKey }}
{{- end }}
{{- end -}}

{{- define "maestro-server.dbEnv" -}}
{{- if eq .Values.database.secretFormat "url" }}
- name: MAESTRO_DB_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "maestro-server.dbSecret" . }}
      key: db.url
{{- end }}
{{- end -}}

{{/* Hardened container security context (the image runs as uid 1000). */}}
{{- define "maestro-server.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end -}}
