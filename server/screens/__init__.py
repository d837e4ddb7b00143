"""The live screens, described as fragments: what each audience sees and when it changes."""
