"""CI runner commands as the runners read them: what a line of a step's output makes
GitHub Actions, Azure Pipelines or TeamCity do (tests/test_ci_commands.py, the hostile suite).

Written from the runners' sources: actions/runner ``ActionCommand.TryParseV2`` (``TrimStart``,
then ``::name …::data`` with a registered name, case-insensitively) and ``TryParse``
(``##[name …]data`` anywhere), ``ActionCommandManager`` (``stop-commands`` until
``::TOKEN::``); azure-pipelines-agent ``Command.TryParse`` (``##vso[area.event …]data``
anywhere); TeamCity's ``##teamcity[…]`` (taken to count anywhere). Lines end at ``\\r\\n``,
``\\r`` and ``\\n`` (.NET ``ReadLine``).
"""

from __future__ import annotations

from dataclasses import dataclass

#: The environment of a step on each runner that acts on commands.
RUNNER_ENV = {"GITHUB_ACTIONS": "true", "TF_BUILD": "True", "TEAMCITY_VERSION": "2024.1"}


#: Commands actions/runner registers (ActionCommandManager and its extensions), compared
#: case-insensitively.
GITHUB_COMMANDS = {
    "add-mask",
    "add-matcher",
    "add-path",
    "debug",
    "echo",
    "endgroup",
    "error",
    "group",
    "notice",
    "remove-matcher",
    "save-state",
    "set-env",
    "set-output",
    "stop-commands",
    "warning",
}


@dataclass(frozen=True)
class Found:
    runner: str  # "github", "github-v1", "azure", "teamcity"
    name: str
    props: str
    data: str
    line: str


def _lines(text: str) -> list[str]:
    """Lines as .NET ``ReadLine`` splits them: at ``\\r\\n``, ``\\r`` and ``\\n``."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _github(line: str, registered: set[str]) -> Found | None:
    message = line.lstrip()  # C# TrimStart: Unicode white space
    if message.startswith("::"):
        end = message.find("::", 2)
        if end >= 0:
            info = message[2:end]
            name, _, props = info.partition(" ")
            if name.lower() in registered:
                return Found("github", name.lower(), props, message[end + 2 :], line)
    at = line.find("##[")
    if at >= 0:
        close = line.find("]", at)
        if close >= 0:
            name, _, props = line[at + 3 : close].partition(" ")
            if name.lower() in registered:
                return Found("github-v1", name.lower(), props, line[close + 1 :], line)
    return None


def runner_commands(text: str) -> list[Found]:
    """Every line of ``text`` a runner acts on: GitHub (with its stop-commands state),
    Azure Pipelines and TeamCity."""
    found: list[Found] = []
    registered = set(GITHUB_COMMANDS)
    stop_token: str | None = None
    for line in _lines(text):
        command = _github(line, registered)
        if command is not None:
            if stop_token is not None:
                if command.name == stop_token.lower():
                    registered.discard(stop_token.lower())
                    stop_token = None
                # Anything else is not processed while commands are stopped.
            elif command.name == "stop-commands":
                stop_token = command.data
                registered.add(stop_token.lower())
                found.append(command)
            else:
                found.append(command)
        at = line.find("##vso[")
        if at >= 0 and line.find("]", at) >= 0:
            name = line[at + 6 : line.find("]", at)].partition(" ")[0]
            if len([p for p in name.split(".") if p]) == 2:
                found.append(Found("azure", name, "", line[line.find("]", at) + 1 :], line))
        at = line.find("##teamcity[")
        if at >= 0 and line.find("]", at) >= 0:
            found.append(Found("teamcity", "", "", "", line))
    return found
