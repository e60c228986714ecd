"""Custom Rasa input channels for the massage-recovery assistant."""
