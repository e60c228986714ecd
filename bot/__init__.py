"""Domain core of the runners' massage-recovery assistant (no Rasa imports)."""
