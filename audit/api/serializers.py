from rest_framework import serializers

from audit.models import AuditEvent, LegalHold, PurgeRun


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


class LegalHoldSerializer(serializers.ModelSerializer):
    placed_by = serializers.CharField(source="placed_by.get_username", read_only=True)
    released_by = serializers.CharField(source="released_by.get_username", read_only=True, allow_null=True)
    active = serializers.BooleanField(read_only=True)

    class Meta:
        model = LegalHold
        fields = [
            "id",
            "scope",
            "target_id",
            "target_repr",
            "reason",
            "active",
            "placed_by",
            "placed_at",
            "released_by",
            "released_at",
            "release_reason",
        ]
        read_only_fields = [f for f in fields if f not in ("scope", "target_id", "reason")]
        extra_kwargs = {"target_id": {"required": False, "min_value": 1}, "reason": {"allow_blank": True}}


class LegalHoldReleaseSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, help_text="Why the records need no longer be kept.")


class PurgeRunSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_name", read_only=True)
    deleted = serializers.DictField(child=serializers.IntegerField(), read_only=True)
    held = serializers.DictField(child=serializers.IntegerField(), read_only=True)
    policy = serializers.DictField(child=serializers.IntegerField(), read_only=True)

    class Meta:
        model = PurgeRun
        fields = ["id", "started_at", "finished_at", "actor", "dry_run", "status", "policy", "deleted", "held", "error"]
        read_only_fields = fields
