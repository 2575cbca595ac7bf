from rest_framework import serializers

from audit.models import AuditEvent


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_name", read_only=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "seq",
            "at",
            "actor",
            "action",
            "target_type",
            "target_id",
            "target_repr",
            "business_unit_id",
            "changes",
            "reason",
            "request_id",
            "prev_hash",
            "hash",
        ]
        read_only_fields = fields


class ChainReportSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    checked = serializers.IntegerField()
    first_bad_seq = serializers.IntegerField(allow_null=True)
    first_bad_id = serializers.IntegerField(allow_null=True)
    problem = serializers.CharField(allow_blank=True)
