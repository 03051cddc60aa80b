"""Small pretrained checkpoints and recorded runs, made by our own commands (see README.md here)."""
