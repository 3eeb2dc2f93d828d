# Runtime shared by the tiny (CPU-sized) configs: MMPose's default_runtime with posewarper's
# runner and hooks sized for runs of a few dozen iterations.
default_scope = 'mmpose'

# Registers posewarper's models, datasets, metrics and runner; needed by mim, which runs MMPose's
# own tools/train.py and knows nothing about this package.
custom_imports = dict(imports=['posewarper'], allow_failed_imports=False)

# mmengine's Runner plus data-parallel training on CPU (gloo) when there is no GPU.
runner_type = 'PoseWarperRunner'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    # tiny runs have a handful of iterations per epoch: log each few of them
    logger=dict(type='LoggerHook', interval=5),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # keep the last two checkpoints: enough to resume, small on disk
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=2),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='PoseVisualizationHook', enable=False))

custom_hooks = [
    # make BatchNorm running statistics identical on all ranks at the end of each epoch
    dict(type='SyncBuffersHook'),
    # load_from / resume read mmengine checkpoints under torch's safe unpickler
    dict(type='SafeCheckpointLoadingHook'),
    # torch's CPU threads fitted to the cores other processes leave free: an OpenMP team sharing
    # a core with another CPU-bound process runs many times slower (docs/demo.md)
    dict(type='CPUThreadsHook', interval=10),
]

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # PoseWarperRunner uses gloo instead when the machine has no GPU
    dist_cfg=dict(backend='nccl'),
)

vis_backends = [dict(type='LocalVisBackend')]
# MMPose's visualiser, drawing under NumPy >= 2.4 too (MMPose's inferencers build it from here)
visualizer = dict(type='CompatPoseLocalVisualizer', vis_backends=vis_backends, name='visualizer')

# Read by MMPose's inferencers (MMPoseInferencer, Pose2DInferencer): the tiny models are top-down,
# and the synthetic people are PoseTrack18's (MMPose picks its default body detector for them).
data_mode = 'topdown'
dataset_type = 'PoseTrack18Dataset'

log_processor = dict(type='LogProcessor', window_size=5, by_epoch=True, num_digits=6)
log_level = 'INFO'
load_from = None
resume = False

backend_args = dict(backend='local')

train_cfg = dict(by_epoch=True)
val_cfg = dict()
test_cfg = dict()

# fixed seed: tiny runs are used as smoke tests and should be repeatable
randomness = dict(seed=0)
