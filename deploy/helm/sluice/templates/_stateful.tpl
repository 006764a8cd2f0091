{{/*
A Kafka Streams service (router-stream, result-sink): a headless Service, a StatefulSet whose
instances keep their RocksDB state on their own volumes across restarts (a pod's name is also its
stable static group member name, kafka.group.instance.id, ADR 0014), and a PodDisruptionBudget.
Arguments: root, part, opsPort, values (the service's section), env, extraMounts, extraVolumes.
*/}}
{{- define "sluice.statefulApp" -}}
{{- $ctx := dict "root" .root "part" .part -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "sluice.name" $ctx }}
  labels:
    {{- include "sluice.labels" $ctx | nindent 4 }}
spec:
  clusterIP: None
  selector:
    {{- include "sluice.selector" $ctx | nindent 4 }}
  ports:
    - {name: ops, port: {{ .opsPort }}, targetPort: ops}
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {{ include "sluice.name" $ctx }}
  labels:
    {{- include "sluice.labels" $ctx | nindent 4 }}
spec:
  serviceName: {{ include "sluice.name" $ctx }}
  replicas: {{ .values.replicas }}
  podManagementPolicy: Parallel
  updateStrategy: {type: RollingUpdate}
  selector:
    matchLabels:
      {{- include "sluice.selector" $ctx | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "sluice.labels" $ctx | nindent 8 }}
      annotations:
        {{- include "sluice.podAnnotations" (dict "root" .root "opsPort" .opsPort) | nindent 8 }}
    spec:
      {{- include "sluice.podSpec" $ctx | nindent 6 }}
      containers:
        {{- include "sluice.container" (dict "root" .root "part" .part "image" .part "opsPort" .opsPort
            "heap" .values.heap "resources" .values.resources "extraEnv" .env
            "extraMounts" (concat (list (dict "name" "state" "mountPath" "/var/lib/sluice/state")) (default list .extraMounts)))
            | nindent 8 }}
      volumes:
        {{- include "sluice.volumes" $ctx | nindent 8 }}
        {{- with .extraVolumes }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
  volumeClaimTemplates:
    - metadata:
        name: state
      spec:
        accessModes: [ReadWriteOnce]
        {{- with .values.storage.storageClassName }}
        storageClassName: {{ . }}
        {{- end }}
        resources:
          requests:
            storage: {{ .values.storage.size }}
{{ include "sluice.pdb" $ctx }}
{{- end -}}

{{- define "sluice.pdb" -}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "sluice.name" . }}
  labels:
    {{- include "sluice.labels" . | nindent 4 }}
spec:
  maxUnavailable: {{ .root.Values.podDisruptionBudget.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "sluice.selector" . | nindent 6 }}
{{- end -}}
