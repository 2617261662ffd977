"""Bring up the NeuroPlan insertion robot on ROS 2 (Jazzy).

Starts robot_state_publisher (URDF + ros2_control block), the controller_manager with
config/controllers.yaml, spawners for joint_state_broadcaster and joint_trajectory_controller, and
rosbridge_websocket with config/rosbridge.yaml (port 9090, allow-lists). See README.md.

    ros2 launch neuroplan_bringup bringup.launch.py
    ros2 launch neuroplan_bringup bringup.launch.py certfile:=/etc/neuroplan/tls.crt keyfile:=/etc/neuroplan/tls.key
    ros2 launch neuroplan_bringup bringup.launch.py hardware_plugin:=vendor_driver/VendorSystem
"""

import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, OpaqueFunction
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node

PACKAGE = "neuroplan_bringup"
URDF_FILE = "neuroplan_robot.urdf"
ROS2_CONTROL_FILE = "ros2_control.xml"
CONTROLLERS_FILE = "controllers.yaml"
ROSBRIDGE_FILE = "rosbridge.yaml"
CONTROLLERS = ["joint_state_broadcaster", "joint_trajectory_controller"]


def robot_description(urdf_path: str, hardware_plugin: str) -> str:
    """The URDF with the ros2_control block inserted before </robot>."""
    share = get_package_share_directory(PACKAGE)
    with open(urdf_path, encoding="utf-8") as f:
        urdf = f.read()
    with open(os.path.join(share, "urdf", ROS2_CONTROL_FILE), encoding="utf-8") as f:
        control = f.read().replace("HARDWARE_PLUGIN", hardware_plugin)
    end = urdf.rfind("</robot>")
    if end < 0:
        raise RuntimeError(f"{urdf_path}: no </robot> element")
    return urdf[:end] + control + "\n" + urdf[end:]


def launch_setup(context, *args, **kwargs):
    share = get_package_share_directory(PACKAGE)
    urdf_path = LaunchConfiguration("urdf").perform(context) or os.path.join(share, "urdf", URDF_FILE)
    hardware_plugin = LaunchConfiguration("hardware_plugin").perform(context)
    description = robot_description(urdf_path, hardware_plugin)
    controllers = os.path.join(share, "config", CONTROLLERS_FILE)
    rosbridge = os.path.join(share, "config", ROSBRIDGE_FILE)

    certfile = LaunchConfiguration("certfile").perform(context)
    keyfile = LaunchConfiguration("keyfile").perform(context)
    if bool(certfile) != bool(keyfile):
        raise RuntimeError("certfile and keyfile must be given together (or neither)")
    bridge_overrides = {
        "port": int(LaunchConfiguration("port").perform(context)),
        "address": LaunchConfiguration("address").perform(context),
        "certfile": certfile,
        "keyfile": keyfile,
        # Older rosbridge releases (Humble) switch TLS on with `ssl`; newer ones when both files are set.
        "ssl": bool(certfile),
    }

    return [
        Node(
            package="robot_state_publisher",
            executable="robot_state_publisher",
            output="screen",
            parameters=[{"robot_description": description}],
        ),
        Node(
            package="controller_manager",
            executable="ros2_control_node",
            output="screen",
            parameters=[controllers],
            # Jazzy: the controller manager reads the description from robot_state_publisher's topic.
            remappings=[("~/robot_description", "/robot_description")],
        ),
        *[
            Node(
                package="controller_manager",
                executable="spawner",
                arguments=[name, "--controller-manager", "/controller_manager"],
                output="screen",
            )
            for name in CONTROLLERS
        ],
        Node(
            package="rosbridge_server",
            executable="rosbridge_websocket",
            name="rosbridge_websocket",
            output="screen",
            parameters=[rosbridge, bridge_overrides],
        ),
    ]


def generate_launch_description():
    return LaunchDescription(
        [
            DeclareLaunchArgument("port", default_value="9090", description="rosbridge WebSocket port"),
            DeclareLaunchArgument("address", default_value="", description="rosbridge bind address"),
            DeclareLaunchArgument("certfile", default_value="", description="TLS certificate (PEM) for wss://"),
            DeclareLaunchArgument("keyfile", default_value="", description="TLS private key (PEM) for wss://"),
            DeclareLaunchArgument("urdf", default_value="", description="URDF path (default: the installed copy)"),
            DeclareLaunchArgument(
                "hardware_plugin",
                default_value="mock_components/GenericSystem",
                description="ros2_control hardware interface plugin",
            ),
            OpaqueFunction(function=launch_setup),
        ]
    )
