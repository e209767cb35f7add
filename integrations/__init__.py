"""aimi.integrations: built-in plugins that reach outside services, each with a local default."""

# Registered by the plugin manager after the evaluators; plugin name = last module part.
# pluggy calls the later one first: SendGrid, then SMTP (each when configured), then the outbox.
BUILTIN_INTEGRATIONS: tuple[str, ...] = ("aimi.integrations.local_files", "aimi.integrations.google",
                                          "aimi.integrations.outbox", "aimi.integrations.smtp",
                                          "aimi.integrations.sendgrid_mail")
