"""The JSON API under /api/v1 for the supplier's systems (ERP, CRM), with bearer tokens."""
