"""The quiz engine's pure parts: drawing questions, what the browser may see, grading."""
