# Stage 2 trained to its plateau: the tiny PoseWarper on the pretrained tiny stage 1 (frozen),
# on its own set of generated videos with the paper's sparse protocol (one labelled frame in 7),
# the demo's analogue of the paper's full PoseTrack training run. The demo starts its stage 2
# from this model. Generate the data and train with (docs/demo.md):
#
#   python tools/make_synthetic_posetrack.py --out data/synthetic-pretrain-stage2 --split train \
#       --videos 600 --frames 22 --seed 8000001
#   python tools/make_synthetic_posetrack.py --out data/synthetic-pretrain-stage2 --split val \
#       --videos 10 --frames 22 --seed 8000001
#   python tools/train.py \
#       configs/tiny/posewarper_hrnet-tiny_1xb8-6000it_synthetic-pretrain-128x96.py
_base_ = ['./posewarper_hrnet-tiny_1xb8-4e_synthetic-128x96.py']

data_root = 'data/synthetic-pretrain-stage2/'
# the shipped pretrained stage 1 (projects/posewarper_demo/checkpoints), frozen under the warp
load_from = 'projects/posewarper_demo/checkpoints/hrnet-tiny_synthetic-pretrain.pth'

# iteration-based: the learning curve is read against iterations (a checkpoint every 500)
train_cfg = dict(_delete_=True, by_epoch=False, max_iters=6000, val_interval=1000)
param_scheduler = [dict(type='MultiStepLR', begin=0, end=6000, milestones=[4800, 5700],
                        gamma=0.1, by_epoch=False)]
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(by_epoch=False, interval=500, max_keep_ckpts=-1, save_best=None))
log_processor = dict(by_epoch=False)

# labelled frames 3, 10, 17 of 22-frame videos: Frame B at any |δ| <= 3 lies inside the video,
# so the drawn offset is never clipped (δ = 0 keeps the official probability, 1 in 7)
train_dataloader = dict(dataset=dict(data_root=data_root, label_phase=3))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/posetrack18_val.json')
test_evaluator = val_evaluator
