"""logistics: the data side — pipelines, the demand model, backtests and planning."""
