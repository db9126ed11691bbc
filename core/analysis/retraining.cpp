// placeholder, replaced by the retraining implementation
