"""`gantk list`, every `--help` and the input errors found without TensorFlow answer without importing it."""

import json
import subprocess
import sys

BAD_INPUTS = [
    (["train", "nosuch"], "Unknown GAN variant 'nosuch'"),
    (["train", "dcgan", "--dataset", "no_such_data"], "Unknown dataset 'no_such_data'"),
    (["train", "dcgan", "--image-size", "7"], "image_size"),
    (["train", "dcgan", "--batch-size", "0"], "batch_size"),
    (["train", "dcgan", "--dataset", "./no/such/folder"], "does not exist"),
    (["train", "dcgan", "--dataset", "digits", "--split", "nope"], "must be one of all, train, test"),
    (["train", "dcgan", "--dataset", "shapes/nope"], "has no configuration 'nope'"),
    (["sample", "/no/such/run"], "does not exist"),
]

SCRIPT = """
import json, sys
from click.testing import CliRunner
from gantk.cli.main import cli
runs = []
for args in json.loads(sys.argv[1]):
    result = CliRunner().invoke(cli, args)
    runs.append([result.exit_code, result.output])
print(json.dumps({"runs": runs, "tensorflow": "tensorflow" in sys.modules}))
"""


def answers(commands, cwd):
    out = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(commands)], capture_output=True, text=True, check=True, cwd=cwd)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_bad_input_is_one_line_and_exit_2_without_tensorflow(tmp_path):
    result = answers([args for args, _ in BAD_INPUTS] + [["export"]], cwd=tmp_path)
    assert not result["tensorflow"], "an input error imported TensorFlow"
    for (args, fragment), (code, output) in zip(BAD_INPUTS, result["runs"]):
        assert code == 2 and fragment in output and "Traceback" not in output, (args, output)
    code, output = result["runs"][-1]
    assert code == 2 and "No run directory under" in output


def test_list_and_every_help_without_tensorflow(tmp_path):
    from gantk.cli.main import COMMANDS

    names = [module.command.name for module in COMMANDS]
    result = answers([["list"], ["--help"]] + [[name, "--help"] for name in names], cwd=tmp_path)
    assert not result["tensorflow"]
    assert all(code == 0 for code, _ in result["runs"]), result["runs"]
