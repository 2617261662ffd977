"""Runs ros/neuroplan_bringup/launch/bringup.launch.py without ROS: stand-ins for the launch modules record what
it creates, and it is evaluated with the defaults plus the command-line overrides given as JSON in argv[2].
Prints JSON: the declared arguments and every Node (package, executable, arguments, parameters, remappings).

usage: run_launch.py <bringup package dir> '{"certfile": "...", ...}'
"""

import importlib.util
import json
import os
import sys
import types
import xml.etree.ElementTree as ET

bringup_dir = sys.argv[1]
overrides = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
declared = {}


def module(name, **attrs):
    m = types.ModuleType(name)
    m.__dict__.update(attrs)
    sys.modules[name] = m
    return m


class DeclareLaunchArgument:
    def __init__(self, name, default_value="", description=""):
        declared[name] = default_value


class OpaqueFunction:
    def __init__(self, function):
        self.function = function


class LaunchDescription:
    def __init__(self, entities):
        self.entities = entities


class LaunchConfiguration:
    def __init__(self, name):
        self.name = name

    def perform(self, context):
        return overrides.get(self.name, declared[self.name])


class Node:
    def __init__(self, **kwargs):
        self.kwargs = kwargs


# The installed share folder has the same layout as the source package (launch/, config/, urdf/) plus the URDF
# that CMake copies into urdf/; the stand-in resolves urdf files in the source tree, the robot URDF from
# ros/description.
module("ament_index_python")
module("ament_index_python.packages", get_package_share_directory=lambda pkg: bringup_dir)
module("launch", LaunchDescription=LaunchDescription)
module("launch.actions", DeclareLaunchArgument=DeclareLaunchArgument, OpaqueFunction=OpaqueFunction)
module("launch.substitutions", LaunchConfiguration=LaunchConfiguration)
module("launch_ros")
module("launch_ros.actions", Node=Node)

spec = importlib.util.spec_from_file_location("bringup_launch", os.path.join(bringup_dir, "launch", "bringup.launch.py"))
launch = importlib.util.module_from_spec(spec)
spec.loader.exec_module(launch)
description = launch.generate_launch_description()
nodes = []
for entity in description.entities:
    if isinstance(entity, OpaqueFunction):
        nodes.extend(entity.function(None))

out_nodes = []
for node in nodes:
    k = dict(node.kwargs)
    params = []
    for p in k.get("parameters", []):
        if isinstance(p, dict) and "robot_description" in p:
            root = ET.fromstring(p["robot_description"])  # must be well-formed XML
            control = root.find("ros2_control")
            params.append(
                {
                    "robot_description": {
                        "robot": root.get("name"),
                        "ros2_control_joints": [j.get("name") for j in control.findall("joint")],
                        "plugin": control.find("hardware/plugin").text,
                        "urdf_joints": [j.get("name") for j in root.findall("joint") if j.get("type") != "fixed"],
                    }
                }
            )
        elif isinstance(p, str):
            params.append(os.path.relpath(p, bringup_dir))
        else:
            params.append(p)
    k["parameters"] = params
    k["remappings"] = [list(r) for r in k.get("remappings", [])]
    out_nodes.append(k)
print(json.dumps({"declared": declared, "nodes": out_nodes}))
