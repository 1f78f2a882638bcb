"""The sink: HaloPSA token, licences, items, clients and invoices; applying a plan's writes."""
