"""Reads of the reports: a fixed number of queries, whatever their number."""

from django.shortcuts import get_object_or_404

from . import policies
from .models import Report


def report_list(user):
    policies.require_reader(user)
    return Report.objects.select_related("generated_by").order_by("-period_start", "period_kind", "-version")


def get_report(user, pk: int) -> Report:
    """404 for who may not read reports, whether the report exists or not."""
    policies.require_reader(user)
    return get_object_or_404(Report, pk=pk)
