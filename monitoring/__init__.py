"""The public monitoring portal: what the inspectorate publishes about each force's
recommendations, read by anyone without signing in (ADR 0008)."""
