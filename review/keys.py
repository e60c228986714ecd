"""One-keystroke choices with prompt_toolkit: works over SSH and in any plain terminal."""

from __future__ import annotations

from prompt_toolkit.application import Application
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.layout import Layout, Window
from prompt_toolkit.layout.controls import FormattedTextControl

QUIT = "q"


def choose_key(question: str, options: dict[str, str]) -> str:
    """Shows `question` and the options as "[k] label"; returns the key pressed (Ctrl-C/Ctrl-D quit)."""
    fragments: list[tuple[str, str]] = [("bold", question + "\n")]
    for key, text in options.items():
        fragments += [("bold fg:ansicyan", f"  [{key}] "), ("", text + "\n")]
    bindings = KeyBindings()

    def bind(key: str) -> None:
        @bindings.add(key)
        def _(event: KeyPressEvent) -> None:
            event.app.exit(result=key)

    for key in options:
        bind(key)

    @bindings.add("c-c")
    @bindings.add("c-d")
    def _quit(event: KeyPressEvent) -> None:
        event.app.exit(result=QUIT)

    @bindings.add("<any>")
    def _ignore(event: KeyPressEvent) -> None:
        """Other keys do nothing (no typing into the screen)."""

    control = FormattedTextControl(FormattedText(fragments), show_cursor=False)
    app: Application[str] = Application(layout=Layout(Window(control, dont_extend_height=True)),
                                        key_bindings=bindings, full_screen=False, erase_when_done=False)
    return app.run()
