"""The planning core: models, mapping rules, the plan, the schedule, the audit rules, name matching. No I/O."""
