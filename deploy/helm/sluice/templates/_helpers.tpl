{{/*
A resource's name: the release, then the part. At most 52 characters, as a StatefulSet's pods
carry a controller-revision-hash label made of its name and 11 more: a longer release name fails
here rather than on the cluster.
*/}}
{{- define "sluice.name" -}}
{{- $name := printf "%s-%s" .root.Release.Name .part -}}
{{- if gt (len $name) 52 -}}
{{- fail (printf "the name %q is over 52 characters: use a shorter release name" $name) -}}
{{- end -}}
{{- $name -}}
{{- end -}}

{{- define "sluice.labels" -}}
app.kubernetes.io/name: {{ .part }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/part-of: sluice
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{- define "sluice.selector" -}}
app.kubernetes.io/name: {{ .part }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{/* The Strimzi cluster label of topics and users. */}}
{{- define "sluice.strimziLabels" -}}
strimzi.io/cluster: {{ .Values.kafka.cluster }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: sluice
{{- end -}}

{{- define "sluice.image" -}}
{{- printf "%s/sluice-%s:%s" .root.Values.image.registry .image (default .root.Chart.AppVersion .root.Values.image.tag) -}}
{{- end -}}

{{- define "sluice.registryUrl" -}}
{{- if .Values.schemaRegistry.url -}}
{{- .Values.schemaRegistry.url -}}
{{- else if .Values.schemaRegistry.deploy -}}
{{- printf "http://%s-schema-registry:8081" .Release.Name -}}
{{- else -}}
http://schema-registry:8081
{{- end -}}
{{- end -}}

{{- define "sluice.bootstrap" -}}
{{- default (printf "%s-kafka-bootstrap.%s.svc:9093" .Values.kafka.cluster .Release.Namespace) .Values.kafka.bootstrapServers -}}
{{- end -}}

{{/* A group or application id as the services derive it from the topic prefix (KafkaSettings.groupId). */}}
{{- define "sluice.groupId" -}}
{{- $prefix := .root.Values.topics.prefix -}}
{{- if eq $prefix "llm." -}}
{{- .base -}}
{{- else -}}
{{- $suffix := regexReplaceAll "-+$" (regexReplaceAll "[^A-Za-z0-9_-]" $prefix "-") "" -}}
{{- if $suffix -}}{{ printf "%s-%s" .base $suffix }}{{- else -}}{{ .base }}{{- end -}}
{{- end -}}
{{- end -}}

{{/* The KafkaUser (and its Secret) of a service. */}}
{{- define "sluice.user" -}}
{{- include "sluice.name" . -}}
{{- end -}}

{{/* The configuration every service reads: the layout, Kafka, the registry, then .Values.config. */}}
{{- define "sluice.config" -}}
{{- $c := dict
  "kafka.bootstrap.servers" (include "sluice.bootstrap" .)
  "schema.registry.url" (include "sluice.registryUrl" .)
  "topics.prefix" .Values.topics.prefix
  "topics.tenant.partitions" (.Values.topics.tenantPartitions | int64 | toString)
  "topics.job.partitions" (.Values.topics.jobPartitions | int64 | toString)
  "topics.replication.factor" (.Values.topics.replicationFactor | int64 | toString)
  "topics.webhook.retry.levels" (.Values.topics.webhookRetryLevels | int64 | toString)
  "topics.max.record.bytes" (.Values.topics.maxRecordBytes | int64 | toString)
  "topics.create" (ternary "false" "true" .Values.kafka.manageTopics)
  "providers.names" (join "," .Values.providers.names)
-}}
{{- if eq .Values.kafka.authentication "scram-sha-512" -}}
{{- $_ := set $c "kafka.client.security.protocol" "SASL_SSL" -}}
{{- $_ := set $c "kafka.client.sasl.mechanism" "SCRAM-SHA-512" -}}
{{- $_ := set $c "kafka.client.ssl.truststore.type" "PEM" -}}
{{- $_ := set $c "kafka.client.ssl.truststore.location" "/etc/sluice/kafka-ca/ca.crt" -}}
{{- else if ne .Values.kafka.authentication "none" -}}
{{- fail (printf "kafka.authentication must be scram-sha-512 or none, not %q" .Values.kafka.authentication) -}}
{{- end -}}
{{- if and (lt (int .Values.topics.webhookRetryLevels) 5) (not (hasKey .Values.config "webhooks.backoff")) -}}
{{- fail (printf "topics.webhookRetryLevels is %v, but the default webhooks.backoff (5s,30s,5m,30m,2h) needs 5 retry topics: set config.webhooks.backoff to at most %v steps" .Values.topics.webhookRetryLevels .Values.topics.webhookRetryLevels) -}}
{{- end -}}
{{- range $k, $v := .Values.config -}}
{{- /* A whole number read from YAML is a float to Helm: written as one it would be 1e+06. */ -}}
{{- $_ := set $c $k (ternary ($v | int64 | toString) (toString $v) (and (kindIs "float64" $v) (eq (float64 (int64 $v)) $v))) -}}
{{- end -}}
{{- toYaml $c -}}
{{- end -}}

{{/*
What every service's container has: its image, the shared configuration, Kafka credentials, the
probes on its ops port, a read-only root with /tmp for RocksDB's native library. Arguments: root,
part (the service), image, opsPort, heap, extraEnv (a list), extraMounts (a list), resources.
*/}}
{{- define "sluice.container" -}}
- name: {{ .part }}
  image: {{ include "sluice.image" . }}
  imagePullPolicy: {{ .root.Values.image.pullPolicy }}
  env:
    - name: SLUICE_CONFIG
      value: /etc/sluice/sluice.yaml
    - name: JAVA_TOOL_OPTIONS
      value: {{ printf "-Xmx%s %s" .heap .root.Values.jvmOptions | quote }}
    {{- if eq .root.Values.kafka.authentication "scram-sha-512" }}
    - name: SLUICE_KAFKA_CLIENT_SASL_JAAS_CONFIG
      valueFrom:
        secretKeyRef:
          name: {{ include "sluice.user" . }}
          key: sasl.jaas.config
    {{- end }}
    {{- if .root.Values.schemaRegistry.basicAuthSecret }}
    - name: SLUICE_SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO
      valueFrom:
        secretKeyRef:
          name: {{ .root.Values.schemaRegistry.basicAuthSecret }}
          key: user-info
    {{- end }}
    {{- with .extraEnv }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  ports:
    - name: ops
      containerPort: {{ .opsPort }}
    {{- with .extraPorts }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  livenessProbe:
    httpGet: {path: /health, port: ops}
    initialDelaySeconds: 20
    periodSeconds: 10
    failureThreshold: 6
  readinessProbe:
    httpGet: {path: /ready, port: ops}
    periodSeconds: 5
    failureThreshold: 3
  startupProbe:
    httpGet: {path: /health, port: ops}
    periodSeconds: 5
    failureThreshold: 60
  resources:
    {{- toYaml .resources | nindent 4 }}
  securityContext:
    runAsNonRoot: true
    allowPrivilegeEscalation: false
    readOnlyRootFilesystem: true
    capabilities: {drop: [ALL]}
  volumeMounts:
    - name: config
      mountPath: /etc/sluice/sluice.yaml
      subPath: sluice.yaml
      readOnly: true
    - name: tmp
      mountPath: /tmp
    {{- if eq .root.Values.kafka.authentication "scram-sha-512" }}
    - name: kafka-ca
      mountPath: /etc/sluice/kafka-ca
      readOnly: true
    {{- end }}
    {{- with .extraMounts }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end -}}

{{/* The volumes behind sluice.container's mounts. */}}
{{- define "sluice.volumes" -}}
- name: config
  configMap:
    name: {{ include "sluice.name" (dict "root" .root "part" "config") }}
- name: tmp
  emptyDir: {}
{{- if eq .root.Values.kafka.authentication "scram-sha-512" }}
- name: kafka-ca
  secret:
    secretName: {{ printf "%s-cluster-ca-cert" .root.Values.kafka.cluster }}
    items: [{key: ca.crt, path: ca.crt}]
{{- end }}
{{- end -}}

{{/* The pod-level settings every service shares. */}}
{{- define "sluice.podSpec" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: 65532
  runAsGroup: 65532
  fsGroup: 65532
  seccompProfile: {type: RuntimeDefault}
automountServiceAccountToken: false
terminationGracePeriodSeconds: 60
{{- with .root.Values.image.pullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "sluice.podAnnotations" -}}
checksum/config: {{ include "sluice.config" .root | sha256sum }}
{{- if .root.Values.metrics.scrapeAnnotations }}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .opsPort | quote }}
prometheus.io/path: /metrics
{{- end }}
{{- end -}}
