"""Invoices and credit notes from the supplier's ERP, and the points they earn."""
