"""Services: plain functions over a Session (and a time), each doing one job and owning its commit."""
