"""Text augmentation: nlpaug-backed ops, offline assets, label safety."""
