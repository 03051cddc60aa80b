"""lmviz.core: tasks, models, coders and the online learner. Never imports textual or rich."""
