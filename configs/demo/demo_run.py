# What every training run of the demo (tools/demo.py) changes in its tiny config; the demo merges
# it into each (posewarper_demo.pipeline.demo_config). The demo sets the rest per run: the data
# root and annotation files of the seed, the work dir, the seed, and the iteration-based
# schedule (epochs of the seed's training set, or as many iterations as stage 1 for the Fig. 4a
# models, with the learning-rate milestones at the same fractions).

# no validation during training: the demo tests each model once afterwards, with the test
# settings (mmengine validates after the last iteration whatever val_interval says)
val_cfg = None
val_dataloader = None
val_evaluator = None
log_processor = dict(by_epoch=False)
# only the last checkpoint of the run is kept (its interval is the run's length)
default_hooks = dict(
    checkpoint=dict(_delete_=True, type='CheckpointHook', by_epoch=False, max_keep_ckpts=1))
