"""The pure core: the template model and its loader, working days, expansion, plans and events."""
