#!/usr/bin/env python3
"""Plays CrsEnv episodes against `crs-gym serve` over its HTTP endpoints, with the Python standard library only.

    npx crs-gym serve --env CrsEnv/inspired-v0 --port 8000      # in one shell
    python3 examples/python/crs_gym_http_client.py --episodes 3  # in another

The policy is a fixed one (no model): each round it ranks the candidates the user has not been shown yet first, in
the retriever's order. Odd rounds send a structured action ({"ranking": [ids], "preference": ...}); even rounds send
the text an LLM would write (<think>Step1..Step5</think> then RANK LIST: [Title, ...]) as {"text": ...}.
The last line is a JSON summary (returns per episode) that the crs-gym tests compare with the same policy in-process.
"""
import argparse
import json
import sys
import urllib.error
import urllib.request


class ServerError(Exception):
    """An error reply: {"type": "error", "data": {"code": ..., "message": ..., "errors": [...]}}."""

    def __init__(self, status, data):
        self.status = status
        self.code = data.get("code", "UNKNOWN")
        self.errors = data.get("errors", [])
        super().__init__(f"HTTP {status} {self.code}: {data.get('message', '')}" + (f" ({'; '.join(self.errors)})" if self.errors else ""))


class CrsGymClient:
    """One HTTP session: POST /reset opens it (the reply carries session_id), POST /step plays it, POST /close ends it."""

    def __init__(self, url, timeout=120.0):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.session_id = None

    def _call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.url + path, data=data, method=method, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as err:
            payload = json.loads(err.read().decode("utf-8") or "{}")
            raise ServerError(err.code, payload.get("data", {})) from None

    def health(self):
        return self._call("GET", "/health")

    def metadata(self):
        return self._call("GET", "/metadata")

    def reset(self, seed=None, **options):
        body = dict(options)
        if seed is not None:
            body["seed"] = seed
        if self.session_id is not None:
            body["session_id"] = self.session_id
        result = self._call("POST", "/reset", body)
        self.session_id = result["session_id"]
        return result

    def step(self, action):
        return self._call("POST", "/step", {"session_id": self.session_id, "action": action})

    def state(self):
        return self._call("GET", f"/state?session_id={self.session_id}")

    def close(self):
        if self.session_id is not None:
            self._call("POST", "/close", {"session_id": self.session_id})
            self.session_id = None


PREFERENCE = "The user wants something close to the films they mentioned."


def choose(observation):
    """Unseen candidates first (the retriever's order), then the rest; a structured or a text action."""
    shown = set(observation["previousList"])
    candidates = observation["candidates"]
    ordered = [c for c in candidates if c["id"] not in shown] + [c for c in candidates if c["id"] in shown]
    picked = ordered[: observation["listLength"]]
    if observation["turn"] % 2 == 1:
        return {"ranking": [c["id"] for c in picked], "preference": PREFERENCE}
    steps = [
        f"Step1: Preference Inference: {PREFERENCE}",
        "Step2: Attribute Matching: compare genres and people with the dialogue.",
        "Step3: Scoring: keep the retriever's scores.",
        "Step4: Ranking: items not shown yet come first.",
        "Step5: Explanation: new items give the user something to react to.",
    ]
    titles = ", ".join(c["title"] for c in picked)
    return {"text": "<think>\n" + "\n".join(steps) + "\n</think>\nRANK LIST: [" + titles + "]"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the server (default %(default)s)")
    parser.add_argument("--episodes", type=int, default=3, help="episodes to play (default %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the first episode; episode i uses seed + i")
    args = parser.parse_args()

    client = CrsGymClient(args.url)
    try:
        health = client.health()
        meta = client.metadata()
        print(f"server: {meta['env_id']} ({health['status']}, {health['sessions']['active']}/{health['sessions']['max']} sessions in use)")
        returns = []
        for episode in range(args.episodes):
            result = client.reset(seed=args.seed + episode)
            observation = result["observation"]
            if episode == 0:
                try:
                    client.step({"rankings": []})  # a typo: refused, and the env is not stepped
                except ServerError as err:
                    print(f"a misspelt action is refused: {err}")
            total = 0.0
            while True:
                action = choose(observation)
                result = client.step(action)
                info = result["info"]
                total += result["reward"]
                kind = "text" if "text" in action else "structured"
                feedback = "" if result["done"] else f", the user says: {result['observation']['feedback'][:60]!r}"
                print(f"episode {episode + 1} round {info['turn']}: {kind} action, reward {result['reward']:.3f}, target rank {info['targetRank']}{feedback}")
                if result["done"]:
                    end = "accepted" if result["terminated"] else "turn limit"
                    print(f"episode {episode + 1}: {end} after {client.state()['step_count']} round(s), return {total:.3f}")
                    break
                observation = result["observation"]
            returns.append(total)
        print("summary: " + json.dumps({"seed": args.seed, "returns": returns}))
    except ServerError as err:
        print(f"crs_gym_http_client: {err}", file=sys.stderr)
        return 1
    except urllib.error.URLError as err:
        print(f"crs_gym_http_client: cannot reach {args.url}: {err.reason}", file=sys.stderr)
        return 1
    finally:
        try:
            client.close()
        except (ServerError, urllib.error.URLError):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
