"""``aimi transcribe`` and ``aimi analyse-speech``: try a provider and the delivery analysis on
a recording from the shell, in any format a browser or phone produces."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import click

from aimi.evaluators import audio as audio_codec
from aimi.evaluators.speech_analysis import SpeechAnalysis, analyse
from aimi.plugins.manager import get_manager
from aimi.plugins.types import AudioInput, Transcript

TRANSCRIBE_HOOK = "aimi_transcribe_audio"
LANGUAGE = re.compile(r"^([a-zA-Z]{2,3})(?:[-_]([a-zA-Z]{2}|[0-9]{3}))?$")


def _language(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    """A BCP-47 language with an optional region, normalised: en, en-US, en-IN, es-419."""
    match = LANGUAGE.match(value)
    if not match:
        raise click.BadParameter(f"{value!r} is not a language code; use one like en, en-US or en-IN.")
    language, region = match.groups()
    return language.lower() + (f"-{region.upper()}" if region else "")


def _provider(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    providers = sorted(info.name for info in get_manager().info() if TRANSCRIBE_HOOK in info.hooks)
    if value not in providers:
        raise click.BadParameter(f"no speech provider named {value!r}; installed: "
                                 f"{', '.join(providers) or 'none'}.")
    return value


def _transcribe(file: Path, provider: str, language: str) -> tuple[audio_codec.Audio, Transcript]:
    """Decode ``file``, hand the normalised WAV to ``provider``; failures end the command."""
    try:
        clip = audio_codec.read(file)
    except audio_codec.AudioError as exc:
        raise click.ClickException(str(exc)) from exc
    with tempfile.TemporaryDirectory(prefix="aimi-speech-") as folder:
        wav = Path(folder) / "audio.wav"
        audio_codec.write_wav(clip, wav)
        try:
            transcript = get_manager().transcribe(AudioInput(str(wav), language=language), tenant=None,
                                                  settings={}, provider=provider)
        except Exception as exc:  # a provider's own failure (network, credentials, model)
            raise click.ClickException(f"{provider} could not transcribe {file.name}: "
                                       f"{type(exc).__name__}: {exc}") from exc
    return clip, transcript


_FILE = click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
_PROVIDER = click.option("--provider", default="whisper", show_default=True, callback=_provider,
                         help="Speech-to-text plugin to use.")
_LANGUAGE = click.option("--language", default="en-US", show_default=True, callback=_language,
                         help="Language of the speech, e.g. en, en-US, en-IN.")
_JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


@click.command("transcribe")
@_FILE
@_PROVIDER
@_LANGUAGE
@_JSON
def transcribe_command(file: Path, provider: str, language: str, as_json: bool) -> None:
    """Transcribe a recording (WebM, Ogg, MP4, WAV, ...) with a speech provider."""
    _, transcript = _transcribe(file, provider, language)
    if not as_json:
        click.echo(transcript.text)
        return
    click.echo(json.dumps(transcript.as_dict(), indent=2))


@click.command("analyse-speech")
@_FILE
@_PROVIDER
@_LANGUAGE
@_JSON
def analyse_speech_command(file: Path, provider: str, language: str, as_json: bool) -> None:
    """Transcribe a recording, then measure its delivery: pace, pauses, fillers, pitch, loudness."""
    clip, transcript = _transcribe(file, provider, language)
    result = analyse(clip, transcript.words)
    if as_json:
        click.echo(json.dumps({"text": transcript.text, "provider": transcript.provider, **result.as_dict()},
                              indent=2))
        return
    click.echo(f"text: {transcript.text}\n")
    for label, value in table(result):
        click.echo(f"{label:<20} {value}")
    click.echo("\nfindings:" if result.findings else "\nno findings")
    for finding in result.findings:
        click.echo(f"  {finding.start:6.2f}-{finding.end:6.2f} s  {finding.kind:<11} {finding.message}")


def table(result: SpeechAnalysis) -> list[tuple[str, str]]:
    """The metrics as (label, value) rows, with the norms they are judged against."""
    norms = result.norms
    pitch = "unknown" if result.pitch_semitones_sd is None else f"{result.pitch_semitones_sd:.1f} semitones"
    loudness = "unknown" if result.loudness_db_sd is None else f"{result.loudness_db_sd:.1f} dB"
    return [
        ("duration", f"{result.duration:.1f} s"),
        ("speaking time", f"{result.speaking_seconds:.1f} s"),
        ("words", str(result.word_count)),
        ("pace", f"{result.wpm:.0f} words/min (norm {norms.pace_min_wpm:g}-{norms.pace_max_wpm:g})"),
        ("pauses", f"{result.pause_count} (longest {result.longest_pause:.1f} s)"),
        ("silence share", f"{100 * result.silence_share:.0f} %"),
        ("fillers", f"{result.fillers_per_minute:.1f} a minute (norm <= {norms.max_fillers_per_minute:g})"),
        ("pitch variation", f"{pitch} ({result.pitch_label})"),
        ("loudness variation", f"{loudness} ({result.loudness_label})"),
    ]
