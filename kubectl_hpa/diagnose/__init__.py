"""Checks over a snapshot and the core's decision -> findings (symptom, cause, fix), API data only."""

from .checks import PROBLEM_SEVERITIES, Finding, diagnose, has_problems

__all__ = ["Finding", "diagnose", "has_problems", "PROBLEM_SEVERITIES"]
