from django.contrib import admin

from governance.models import SignOffFunction


@admin.register(SignOffFunction)
class SignOffFunctionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "description")

    def has_add_permission(self, request):
        return False  # the list is fixed: each function maps to a permission

    def has_delete_permission(self, request, obj=None):
        return False
