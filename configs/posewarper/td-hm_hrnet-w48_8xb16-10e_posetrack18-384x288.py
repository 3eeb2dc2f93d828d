# PoseWarper stage 1: the single-frame HRNet-W48 384×288 on PoseTrack18, trained as the official
# recipe (Adam 1e-4, 10 epochs, steps at 5 and 7, 16 per GPU × 8) from COCO weights. Inherits
# MMPose's PoseTrack18 config; only the schedule and the metric change (MMPose's
# PoseTrack18Metric needs poseval, which is not on PyPI; ours computes the same AP).
_base_ = ['mmpose::body_2d_keypoint/topdown_heatmap/posetrack18/'
          'td-hm_hrnet-w48_8xb64-20e_posetrack18-384x288.py']

custom_imports = dict(imports=['posewarper'], allow_failed_imports=False)
runner_type = 'PoseWarperRunner'
# MMPose's SyncBuffersHook, plus loading load_from / resume under torch's safe unpickler
custom_hooks = [dict(type='SyncBuffersHook'), dict(type='SafeCheckpointLoadingHook')]

train_cfg = dict(max_epochs=10, val_interval=1)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-4))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=500, start_factor=0.001, by_epoch=False),
    dict(type='MultiStepLR', begin=0, end=10, milestones=[5, 7], gamma=0.1, by_epoch=True)
]
auto_scale_lr = dict(base_batch_size=128)
default_hooks = dict(checkpoint=dict(save_best='posetrack/Total', rule='greater', interval=1))

train_dataloader = dict(batch_size=16)

val_evaluator = dict(
    _delete_=True,
    type='PoseTrackAPMetric',
    ann_file='data/posetrack18/annotations/posetrack18_val.json')
test_evaluator = val_evaluator
