"""aimi.evaluators: the built-in scoring plugins, one module per dimension."""

# Registered by the plugin manager and used by `aimi evaluate-batch`; each module's plugin
# name is its last component (the dimension it scores).
BUILTIN_EVALUATORS = (
    "aimi.evaluators.content",
    "aimi.evaluators.structure",
    "aimi.evaluators.language",
    "aimi.evaluators.delivery",
    "aimi.evaluators.tone",
)
# Built-in speech-to-text providers (aimi_transcribe_audio); not scoring dimensions.
BUILTIN_SPEECH: tuple[str, ...] = ("aimi.evaluators.whisper", "aimi.evaluators.pocketsphinx")
