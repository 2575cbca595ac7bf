from rest_framework import serializers

from portfolio.models import BusinessUnit, UseCase


class BusinessUnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = BusinessUnit
        fields = ["id", "code", "name", "description", "is_active"]
        read_only_fields = ["is_active"]


class UseCaseSerializer(serializers.ModelSerializer):
    code = serializers.CharField(read_only=True)
    business_unit = serializers.PrimaryKeyRelatedField(queryset=BusinessUnit.objects.filter(is_active=True))

    class Meta:
        model = UseCase
        fields = [
            "id",
            "code",
            "title",
            "problem_statement",
            "business_unit",
            "owner",
            "status",
            "risk_tier",
            "confidential",
            "estimated_value",
            "estimated_cost",
            "created_at",
            "updated_at",
        ]
        # Status and tier change only through their workflows; owner defaults to the proposer.
        read_only_fields = ["status", "risk_tier", "owner", "created_at", "updated_at"]
